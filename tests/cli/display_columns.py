# Checks that text tables line up on a terminal: for each SELECTOR, finds the first line of
# standard input containing it and the display column (East Asian wide characters count
# two, as terminals draw them) of the first non-space character after it. Exits 0 when
# every selector was found and all those columns are equal, 1 otherwise, printing them.
#   python3 display_columns.py "  司法所 " "  县人民法院诉讼服务中心 " < report.txt
import sys, unicodedata

def width(text):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

lines = sys.stdin.read().splitlines()
columns = {}
for selector in sys.argv[1:]:
    line = next((l for l in lines if selector in l), None)
    if line is None:
        sys.exit(f"no line contains {selector!r}")
    rest = line.index(selector) + len(selector)
    while rest < len(line) and line[rest] == " ":
        rest += 1
    columns[selector] = width(line[:rest])
print(columns)
sys.exit(0 if len(set(columns.values())) == 1 else 1)
