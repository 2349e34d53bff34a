#!/usr/bin/env python3
"""recipe.py - prints one recipe of README.md as written: the indented code
block that follows the line '<!-- recipe NAME FILE -->', less its 4-space
indent. Usage: recipe.py README NAME FILE. Exit 1 when there is no such
recipe or its block is empty, so a test cannot run a recipe that is gone."""
import sys


def main():
    path, name, file = sys.argv[1:4]
    lines = open(path, encoding='utf-8').read().split('\n')
    marker = '<!-- recipe %s %s -->' % (name, file)
    try:
        i = lines.index(marker) + 1
    except ValueError:
        sys.exit('recipe.py: no "%s" in %s' % (marker, path))
    while i < len(lines) and not lines[i].strip():
        i += 1
    block = []
    while i < len(lines) and (lines[i].startswith('    ') or not lines[i].strip()):
        block.append(lines[i][4:])
        i += 1
    while block and not block[-1].strip():
        block.pop()
    if not block:
        sys.exit('recipe.py: "%s" has no indented block' % marker)
    print('\n'.join(block))


main()
