#!/usr/bin/env python3
"""man-words.py - the part of man/pocbot-mail.7 made from templates/: the command words,
labels and values the robot recognises in the six languages (*/words.txt), and why a form
or a request is refused (en/problems.txt, en/reasons.txt). Prints it; with --write it puts
it between the BEGIN/END words markers of man/pocbot-mail.7; with --check (tests/once/man.sh)
it fails when the page holds something else, so page and templates cannot drift."""
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LANGS = [("ar", "Arabic"), ("zh", "Chinese"), ("en", "English"), ("fr", "French"),
         ("ru", "Russian"), ("es", "Spanish")]
SECTIONS = [
    ("Commands", ["help", "form", "nominate", "update", "withdraw", "lookup", "extract",
                  "access-log", "dry-run"]),
    ("Labels", ["field-state", "field-type", "field-organisation", "field-web", "field-email",
                "field-phone", "field-languages", "field-name", "field-position", "field-notes",
                "field-id", "field-reason", "field-format", "field-key"]),
    ("Values of Type, Format and Key", ["type-diplomatic", "type-technical", "type-policy",
                                        "type-law-enforcement", "format-text", "format-csv",
                                        "format-vcard", "format-json", "format-all",
                                        "key-remove"]),
]
BEGIN = '.\\" BEGIN words (made by tools/man-words.py from templates/: do not edit)\n'
END = '.\\" END words\n'


def roff(text):
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text[:1] in ".'" else text


def table(path):
    words = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#") and ":" in line:
                key, _, rest = line.partition(":")
                words[key.strip()] = rest.strip()
    return words


def block():
    words = {code: table(os.path.join(TOP, "templates", code, "words.txt")) for code, _ in LANGS}
    out = []
    for title, keys in SECTIONS:
        out.append(".SS %s\n" % title)
        for key in keys:
            out.append(".TP\n.B %s\n" % roff(words["en"][key].split(",")[0].strip()))
            for i, (code, name) in enumerate(LANGS):
                if i:
                    out.append(".br\n")
                out.append("%s: %s\n" % (name, roff(words[code].get(key, "(none)"))))
    out.append(".SS Why a form is refused\n")
    for key, text in table(os.path.join(TOP, "templates", "en", "problems.txt")).items():
        if key == "line":
            break
        out.append(".TP\n.B %s\n%s\n" % (roff(key), roff(text)))
    out.append(".SS Why a request is refused\n")
    for key, text in table(os.path.join(TOP, "templates", "en", "reasons.txt")).items():
        if key != "outside-text" and not key.startswith("action-"):
            out.append(".TP\n.B %s\n%s\n" % (roff(key), roff(text)))
    return "".join(out)


def main():
    page = os.path.join(TOP, "man", "pocbot-mail.7")
    if sys.argv[1:] == ["--write"]:
        with open(page, encoding="utf-8") as f:
            text = f.read()
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        with open(page + ".tmp", "w", encoding="utf-8") as f:
            f.write(head + BEGIN + block() + END + tail)
        os.rename(page + ".tmp", page)
    elif sys.argv[1:] == ["--check"]:
        with open(page, encoding="utf-8") as f:
            text = f.read()
        inside = text.partition(BEGIN)[2].partition(END)[0]
        if BEGIN not in text or inside != block():
            print("man/pocbot-mail.7 does not hold what templates/ say: run tools/man-words.py "
                  "--write", file=sys.stderr)
            sys.exit(1)
    else:
        sys.stdout.write(block())


if __name__ == "__main__":
    main()
