#!/usr/bin/env python3
"""Doxygen INPUT_FILTER: reads the headers' plain // comments as documentation.

The headers are written for people reading them in an editor: ordinary `//` comments, no
Doxygen markup. Rather than rewriting every comment as `///` (and keeping two styles apart
from then on), this filter does it on the way into Doxygen, on these rules:

- the comment block that opens a file (before its first line of code) documents the file;
- a block of whole-line comments directly above a declaration documents that declaration;
  one followed by a blank line is a section heading or a note, and stays a plain comment;
- a comment above several declarations (no blank line between them) documents each: the
  later ones get its text as a trailing `///<` on their last line;
- `code;  // text`, `code { ... }  // text` and `enumerator,  // text` document the member
  on their line, and the comment lines aligned under such a text continue it.

Only comments change; line numbers stay the same, so Doxygen's warnings point at the
header's real lines.
"""
import os
import re
import sys

WHOLE = re.compile(r"^(\s*)//(?![/!])(.*)$")
# A trailing comment after a declaration or an enumerator; a // inside a string literal
# (a URL in a default argument) is not one.
SECTION = re.compile(r"^\s*---\s*(.*?)\s*-*\s*$")
TRAILING = re.compile(r'^([^"/]*?[;,}])(\s*)//(?![/!<])(.*)$')


def heading(text):
    """A section rule of the headers ("--- Visits -----") as the heading it is; an
    `#include` in an example as text (Doxygen reads #word as a link)."""
    m = SECTION.match(text)
    return " **" + m.group(1) + "**" if m else text.replace("#include", "\\#include")


def declaration_ends(lines, start):
    """The last line of each declaration in the run from `start` (up to a blank or comment
    line, or the end of the enclosing scope); none when the run does not end where a
    declaration does (it cuts into a class body)."""
    depth = 0
    ends = []
    k = start
    while k < len(lines):
        text = lines[k].split("//")[0].strip()
        if not text or WHOLE.match(lines[k]) or text.startswith("#"):
            break
        if depth == 0 and text.startswith(("}", "public:", "private:", "protected:")):
            break
        depth += text.count("{") - text.count("}")
        if depth < 0:
            return []
        if depth == 0 and (text.endswith(";") or text.endswith("}")):
            ends.append(k)
        k += 1
    return ends if depth == 0 else []


def convert(lines, name):
    out = list(lines)
    n = len(lines)
    i = 0
    # The file's opening block documents the file: \file on its first line.
    while i < n and WHOLE.match(lines[i]):
        m = WHOLE.match(lines[i])
        # \file takes the next word as the file's name: give it the name.
        out[i] = m.group(1) + ("/// \\file " + name + " " if i == 0 else "///") + heading(m.group(2)) + "\n"
        i += 1
    trailing_column = None
    while i < n:
        line = lines[i]
        whole = WHOLE.match(line)
        if whole:
            column = len(whole.group(1))
            if trailing_column is not None and column == trailing_column:
                out[i] = whole.group(1) + "///<" + whole.group(2) + "\n"
                i += 1
                continue
            trailing_column = None
            j = i
            while j < n and WHOLE.match(lines[j]):
                j += 1
            code = lines[j].lstrip() if j < n else ""
            documents = code.strip() != "" and (not code.startswith(("#", "}")) or code.startswith("#define"))
            if documents:
                for k in range(i, j):
                    m = WHOLE.match(lines[k])
                    out[k] = m.group(1) + "///" + heading(m.group(2)) + "\n"
                # One comment over several declarations documents them all, as the header
                # reads: the others get it as a trailing ///< on their last line (Doxygen's
                # member groups would need lines of their own, moving the line numbers).
                text = " ".join(WHOLE.match(lines[k]).group(2).strip() for k in range(i, j))
                for end in declaration_ends(lines, j)[1:]:
                    out[end] = out[end].rstrip("\n") + " ///< " + text + "\n"
            i = j
            continue
        trailing = TRAILING.match(line)
        if trailing:
            out[i] = trailing.group(1) + trailing.group(2) + "///<" + trailing.group(3) + "\n"
            trailing_column = len(trailing.group(1)) + len(trailing.group(2))
        else:
            trailing_column = None
        i += 1
    return out


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        lines = f.readlines()
    sys.stdout.write("".join(convert(lines, os.path.basename(sys.argv[1]))))


if __name__ == "__main__":
    main()
