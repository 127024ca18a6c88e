#!/usr/bin/env python3
"""Regenerates the seeds of fuzz/corpus/fuzz_wordpiece/, fuzz/corpus/fuzz_bpe/
and fuzz/corpus/fuzz_hf_config/ from tests/fixtures (see the input layout at
the top of fuzz_wordpiece.cpp / fuzz_bpe.cpp: parts separated by 0xFF).

    python3 fuzz/make_tokenizer_seeds.py

Deterministic, standard library only; every seed < 8 KB. text-* go through
the fixed tokenizer, ok-* are valid files, bad-* are broken in one way
each. Files the fuzzer found (e.g. regression-*) are not touched.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(os.path.dirname(HERE), "tests", "fixtures")
SEP = b"\xff"


def read(*p):
    with open(os.path.join(FIX, *p), "rb") as f:
        return f.read()


def write(target, name, data):
    assert len(data) < 8192, (target, name, len(data))
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def u(s):
    return s.encode("utf-8")


# Texts from tests/fixtures/tokenizers/expected.json (a selection) + a few
# byte-level oddities.
expected = json.loads(read("tokenizers", "expected.json"))
bert_texts = [c["text"] for c in expected["bert"]["bert-uncased"]["cases"]]
gpt2_texts = [c["text"] for c in expected["gpt2"]["cases"]]
EXTRA = [
    b"invalid \xc3\x28 utf8 \xe2\x82 end",
    b"overlong \xc0\xaf surrogate \xed\xa0\x80 big \xf4\x90\x80\x80",
    u("a" * 120 + " " + "unaffable" * 15),
    u("[CLS][SEP][PAD][UNK][MASK][CLS"),
    u("<|endoftext|><|endoftext|>x<|endoftext"),
    u("it's we'll they've I'm you'd 'S 'T"),
]


def pick(texts, n):
    out, seen = [], set()
    for t in texts:
        if t not in seen:
            seen.add(t)
            out.append(t)
    step = max(1, len(out) // n)
    return out[::step][:n]


# ------------------------------------------------------------------ wordpiece
W = "fuzz_wordpiece"
for i, t in enumerate(pick(bert_texts, 12)):
    write(W, "text-%02d" % i, u(t))
for i, t in enumerate(EXTRA):
    write(W, "text-extra-%d" % i, t)
write(W, "text-ff-in-text", SEP + b"ab\xffcd [SEP]")

uncased = read("tokenizers", "bert-uncased", "vocab.txt")
cased = read("tokenizers", "bert-cased", "vocab.txt")
config = read("tokenizers", "bert-uncased", "tokenizer_config.json")
lines = uncased.split(b"\n")
small = b"\n".join(lines[:7] + [b"un", b"##aff", b"##able", b"hello", b"world", b",", b"!",
                                 b"\xe4\xbd\xa0", b"##s", b"a", b"##b"]) + b"\n"
write(W, "ok-uncased-full", uncased + SEP + u("Hello, unaffable world! [MASK]"))
write(W, "ok-cased-full", cased + SEP + u("Hello World"))
write(W, "ok-small", small + SEP + u("Hello, unaffable world! \u4f60 abab"))
write(W, "ok-small-config", small + SEP + config + SEP + u("HELLO [mask] w\u00f6rld"))
write(W, "ok-small-crlf", small.replace(b"\n", b"\r\n") + SEP + u("hello world"))
write(W, "ok-small-cr-noeol", small.replace(b"\n", b"\r").rstrip(b"\r") + SEP + u("hello"))
cfg2 = json.dumps({"do_lower_case": False, "strip_accents": True, "tokenize_chinese_chars": False,
                   "model_max_length": 8, "clean_up_tokenization_spaces": False,
                   "unk_token": "[UNK]", "additional_special_tokens": ["hello", "##s"]}).encode()
write(W, "ok-small-config-options", small + SEP + cfg2 + SEP + u("Hello\u0301 worlds \u4f60hello"))
cfg3 = json.dumps({"unk_token": {"content": "[UNK]", "lstrip": False}, "cls_token": "[CLS]",
                   "mask_token": None, "model_max_length": 1e30}).encode()
write(W, "edge-config-token-objects", small + SEP + cfg3 + SEP + u("a b"))
write(W, "bad-duplicate-token", small + b"hello\n" + SEP + u("hello"))
write(W, "bad-no-unk", small.replace(b"[UNK]", b"[UNK0]") + SEP + u("x"))
write(W, "bad-invalid-utf8", small + b"\xc3\x28\n" + SEP + u("x"))
write(W, "bad-empty-vocab", b"\n" + SEP + u("x"))
write(W, "bad-config-type", small + SEP + b'{"do_lower_case": "yes"}' + SEP + u("x"))
write(W, "bad-config-syntax", small + SEP + b'{"model_max_length": 5,' + SEP + u("x"))
write(W, "bad-config-negative", small + SEP + b'{"model_max_length": -1}' + SEP + u("x"))

# ------------------------------------------------------------------------ bpe
B = "fuzz_bpe"
for i, t in enumerate(pick(gpt2_texts, 12)):
    write(B, "text-%02d" % i, u(t))
for i, t in enumerate(EXTRA):
    write(B, "text-extra-%d" % i, t)
write(B, "text-ff-in-text", SEP + b"ab\xffcd <|endoftext|>")

# A small byte-level vocabulary: all 256 byte symbols + merges of the
# fixture that only use them, + <|endoftext|>.
def bytes_to_unicode():
    bs = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("\xa1"), ord("\xac") + 1))
          + list(range(ord("\xae"), ord("\xff") + 1)))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for _, c in sorted(zip(bs, cs))]


syms = bytes_to_unicode()
vocab = {s: i for i, s in enumerate(syms)}
merges = []
for line in read("tokenizers", "gpt2", "merges.txt").decode().split("\n")[1:]:
    parts = line.split(" ")
    if len(parts) == 2 and parts[0] in vocab and parts[1] in vocab and len(merges) < 40:
        merges.append(line)
        vocab.setdefault(parts[0] + parts[1], len(vocab))
vocab["<|endoftext|>"] = len(vocab)
vj = json.dumps(vocab, ensure_ascii=True, separators=(",", ":")).encode()
mt = ("#version: 0.2\n" + "\n".join(merges) + "\n").encode()
text = u("The cat's hat is\u00a0on the mat.<|endoftext|> \U0001F642 \u0100 42")
write(B, "ok-bytes", vj + SEP + mt + SEP + text)
write(B, "ok-bytes-merges-as-text", vj + SEP + mt)
write(B, "ok-bytes-config", vj + SEP + mt + SEP +
      json.dumps({"add_prefix_space": True, "eos_token": "<|endoftext|>",
                  "added_tokens_decoder": {"1000": {"content": "<x>", "special": True}}}).encode()
      + SEP + text + u(" <x>"))
tiny = {"a": 0, "b": 1, "ab": 2, "\u0120": 3, "\u0120a": 4, "<|endoftext|>": 5}
write(B, "ok-tiny-missing-bytes", json.dumps(tiny).encode() + SEP + u("#version: 0.2\na b\n\u0120 a\n")
      + SEP + u("ab a c \u00e9<|endoftext|>"))
write(B, "ok-tiny-sparse-ids", json.dumps({"a": 0, "b": 7, "ab": 3}).encode() + SEP + b"a b\n"
      + SEP + u("abab"))
write(B, "bad-merge-not-in-vocab", json.dumps(tiny).encode() + SEP + b"a c\n" + SEP + b"ac")
write(B, "bad-merge-line", json.dumps(tiny).encode() + SEP + b"a  b\n" + SEP + b"ab")
write(B, "bad-duplicate-id", b'{"a":0,"b":0}' + SEP + b"" + SEP + b"ab")
write(B, "bad-negative-id", b'{"a":-1}' + SEP + b"" + SEP + b"a")
write(B, "bad-float-id", b'{"a":1.5}' + SEP + b"" + SEP + b"a")
write(B, "bad-not-object", b'["a",0]' + SEP + b"" + SEP + b"a")
write(B, "bad-huge-id", b'{"a":4294967296}' + SEP + b"" + SEP + b"a")
write(B, "bad-config-type", json.dumps(tiny).encode() + SEP + b"a b\n" + SEP
      + b'{"add_prefix_space":"yes"}' + SEP + b"ab")

# ------------------------------------------------------------------ hf_config
H = "fuzz_hf_config"
for m in ("bert", "bert_pooler", "distilbert", "roberta"):
    write(H, "ok-%s.json" % m if m in ("bert", "bert_pooler") else "bad-%s-weights.json" % m,
          read("hf", m, "config.json"))
cfg = json.loads(read("hf", "bert", "config.json"))
def variant(name, **kw):
    c = dict(cfg)
    for k, v in kw.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    write(H, name, json.dumps(c, indent=1).encode())
variant("bad-hidden-size.json", hidden_size=65)
variant("bad-heads.json", num_attention_heads=5)
variant("bad-layers.json", num_hidden_layers=3)
variant("bad-no-model-type.json", model_type=None)
variant("bad-model-type.json", model_type="gpt2")
variant("bad-act.json", hidden_act="swish")
variant("bad-vocab-type.json", vocab_size="1259")
variant("edge-one-layer.json", num_hidden_layers=1)
variant("edge-gelu-new.json", hidden_act="gelu_new")
variant("edge-huge.json", max_position_embeddings=2**62, hidden_size=2**40)
write(H, "bad-syntax.json", read("hf", "bert", "config.json")[:300])
write(H, "bad-not-object.json", b"[1, 2, 3]")
