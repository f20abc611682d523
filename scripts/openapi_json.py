#!/usr/bin/env python3
"""Turns docs/agency-api.yaml into a C source holding it as compact JSON,
for `agency serve` to answer at GET /openapi.json. Run by Meson at build
time, so the server needs no YAML parser: the document is fixed bytes in
the binary, and the build fails on a document that is not valid YAML.

    openapi_json.py IN.yaml OUT.c
"""
import json
import sys

import yaml


def main():
    src, out = sys.argv[1], sys.argv[2]
    with open(src, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict) or "openapi" not in doc:
        sys.exit(f"{src}: not an OpenAPI document")
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    lines = []
    for i in range(0, len(text), 16):
        lines.append("    " + ", ".join(f"0x{b:02x}" for b in text[i:i + 16]) + ",")
    with open(out, "w", encoding="ascii") as f:
        f.write(f"/* Generated from {src.split('/')[-1]} by scripts/openapi_json.py. */\n")
        f.write("#include <stddef.h>\n\n")
        f.write("const unsigned char agency_openapi_json[] = {\n")
        f.write("\n".join(lines))
        f.write("\n};\n")
        f.write(f"const size_t agency_openapi_json_len = {len(text)};\n")


if __name__ == "__main__":
    main()
