//===- tests/unit/support/ElfNeeded.h - DT_NEEDED entries of an ELF file --===//
//
// elfNeeded(path, error) returns the DT_NEEDED entries (shared libraries a
// binary depends on) of a 64-bit little-endian ELF file, read with <elf.h>
// alone: it finds PT_DYNAMIC among the program headers, locates DT_STRTAB by
// mapping its address through the PT_LOAD segments, and reads each
// DT_NEEDED string. On failure it returns {} and describes why in |error|
// (|error| is empty on success). Header-only, for tests that check what a
// compiled model .so links against.
//===----------------------------------------------------------------------===//
#ifndef ATTUNE_TESTS_SUPPORT_ELFNEEDED_H
#define ATTUNE_TESTS_SUPPORT_ELFNEEDED_H

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

inline std::vector<std::string> elfNeeded(const std::string &path, std::string &error) {
  error.clear();
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    error = "cannot open '" + path + "'";
    return {};
  }
  std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  auto fail = [&](const std::string &why) {
    error = "'" + path + "': " + why;
    return std::vector<std::string>{};
  };
  // Copies a T at |off| if it lies inside the file.
  auto read = [&](uint64_t off, auto &out) {
    if (off > bytes.size() || sizeof out > bytes.size() - off)
      return false;
    std::memcpy(&out, bytes.data() + off, sizeof out);
    return true;
  };
  Elf64_Ehdr eh;
  if (!read(0, eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
    return fail("not an ELF file");
  if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
    return fail("not a 64-bit little-endian ELF file");
  if (eh.e_phentsize != sizeof(Elf64_Phdr))
    return fail("unexpected program header size");
  std::vector<Elf64_Phdr> loads;
  Elf64_Phdr dyn{};
  bool haveDyn = false;
  for (uint16_t i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    if (!read(eh.e_phoff + uint64_t(i) * sizeof ph, ph))
      return fail("truncated program headers");
    if (ph.p_type == PT_LOAD)
      loads.push_back(ph);
    if (ph.p_type == PT_DYNAMIC) {
      dyn = ph;
      haveDyn = true;
    }
  }
  if (!haveDyn)
    return {}; // statically linked: no dependencies
  std::vector<uint64_t> neededOffsets;
  uint64_t strtabAddr = 0, strtabSize = 0;
  bool haveStrtab = false;
  for (uint64_t off = dyn.p_offset; off + sizeof(Elf64_Dyn) <= dyn.p_offset + dyn.p_filesz;
       off += sizeof(Elf64_Dyn)) {
    Elf64_Dyn d;
    if (!read(off, d))
      return fail("truncated dynamic section");
    if (d.d_tag == DT_NULL)
      break;
    if (d.d_tag == DT_NEEDED)
      neededOffsets.push_back(d.d_un.d_val);
    else if (d.d_tag == DT_STRTAB) {
      strtabAddr = d.d_un.d_ptr;
      haveStrtab = true;
    } else if (d.d_tag == DT_STRSZ)
      strtabSize = d.d_un.d_val;
  }
  if (neededOffsets.empty())
    return {};
  if (!haveStrtab)
    return fail("DT_NEEDED without DT_STRTAB");
  uint64_t strtabOff = 0;
  bool mapped = false;
  for (const Elf64_Phdr &ph : loads)
    if (strtabAddr >= ph.p_vaddr && strtabAddr - ph.p_vaddr < ph.p_filesz) {
      strtabOff = ph.p_offset + (strtabAddr - ph.p_vaddr);
      mapped = true;
      break;
    }
  if (!mapped || strtabOff >= bytes.size())
    return fail("DT_STRTAB outside the file");
  uint64_t end = strtabSize ? std::min<uint64_t>(strtabOff + strtabSize, bytes.size())
                            : bytes.size();
  std::vector<std::string> needed;
  for (uint64_t rel : neededOffsets) {
    if (rel >= end - strtabOff)
      return fail("DT_NEEDED string outside DT_STRTAB");
    const char *s = bytes.data() + strtabOff + rel;
    size_t n = strnlen(s, end - strtabOff - rel);
    needed.emplace_back(s, n);
  }
  return needed;
}

#endif // ATTUNE_TESTS_SUPPORT_ELFNEEDED_H
