# -*- Python -*-
#===- lit.cfg.py - lit configuration of the Attune IR and pass tests ------===#
#
# Loaded from the generated build/tests/lit/lit.site.cfg.py, which sets the
# tool directories. Tools: attune-opt from the build tree; FileCheck, not,
# count and split-file from the LLVM 19 tools directory (also put on PATH).
#
#===----------------------------------------------------------------------===#

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "Attune"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py.in", "README.md"]

config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = config.lit_test_obj_root

llvm_config.with_system_environment(["HOME", "TMP", "TEMP"])
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.attune_tools_dir, append_path=True)
config.substitutions.append(("%PATH%", config.environment["PATH"]))

# FileCheck, `| count`, `| not`.
llvm_config.use_default_substitutions()

tool_dirs = [config.attune_tools_dir, config.llvm_tools_dir]
tools = [
    ToolSubst("attune-opt", unresolved="fatal"),
    ToolSubst("not", unresolved="fatal"),  # also `RUN: not attune-opt ...`
    ToolSubst("split-file", unresolved="fatal"),
]
llvm_config.add_tool_substitutions(tools, tool_dirs)
