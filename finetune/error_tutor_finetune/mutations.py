"""Synthetic novice errors: one small, typical mistake put into a correct program.

Every operator returns all the places it could break a program (a :class:`Mutation` each);
the data builder samples some, compiles each mutated program with the real compiler and keeps
only those that produce a new diagnostic. Correct programs come from TRACER's
``student_fixed_source`` (C) and from the small seed sets below (Python and Java, CS1 style).

    from error_tutor_finetune.mutations import OPERATORS, candidates
    [m.kind for m in candidates("python", PYTHON_SEEDS["average"])][:3]
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Callable

KEYWORDS = {"c": {"int", "float", "double", "char", "long", "short", "void", "return", "if", "else", "for", "while",
                  "do", "break", "continue", "struct", "sizeof", "include", "main", "printf", "scanf", "unsigned"},
            "java": {"int", "double", "char", "long", "boolean", "void", "return", "if", "else", "for", "while",
                     "public", "static", "class", "new", "String", "System", "out", "println", "print", "main",
                     "true", "false", "null", "import", "args", "length"},
            "python": set()}


@dataclass(frozen=True)
class Mutation:
    """A correct program with one mistake put in."""

    kind: str  # e.g. "missing-semicolon"
    language: str
    text: str  # the mutated program
    line: int  # 1-based line of the mutated program where the mistake is (or was, for a deleted line)
    original_line: str  # the correct line: the fix, used to reject targets that give it away


def _lines(source: str) -> list[str]:
    return source.split("\n")


def _replace_line(source: str, number: int, new: str | None, kind: str, language: str) -> Mutation:
    """Replace line ``number`` (1-based) with ``new``, or delete it when ``new`` is None."""
    lines = _lines(source)
    original = lines[number - 1]
    if new is None:
        del lines[number - 1]
        line = min(number, len(lines))
    else:
        lines[number - 1] = new
        line = number
    return Mutation(kind, language, "\n".join(lines), line, original.strip())


def _code_part(line: str, language: str) -> str:
    """The line without a trailing comment (a marker inside quotes is not one)."""
    marker = "#" if language == "python" else "//"
    at = line.find(marker)
    while at != -1:
        before = line[:at]
        if before.count('"') % 2 == 0 and before.count("'") % 2 == 0:
            return before
        at = line.find(marker, at + 1)
    return line


# ---- shared operators ---------------------------------------------------------------------------

_STATEMENT_END = re.compile(r";\s*$")


def missing_semicolon(source: str, language: str) -> list[Mutation]:
    result = []
    for n, line in enumerate(_lines(source), 1):
        code = _code_part(line, language).rstrip()
        if _STATEMENT_END.search(code) and not re.match(r"\s*(for\b|#)", code) and code.strip() != ";":
            result.append(_replace_line(source, n, code[:-1], "missing-semicolon", language))
    return result


def typo(name: str, rng: random.Random) -> str:
    """A plausible misspelling of ``name``: a letter dropped, doubled or two letters swapped."""
    if len(name) <= 2:
        return name + name[-1]
    i = rng.randrange(1, len(name) - 1)
    choice = rng.choice(("drop", "double", "swap"))
    if choice == "drop":
        return name[:i] + name[i + 1:]
    if choice == "double":
        return name[:i] + name[i] + name[i:]
    swapped = name[:i] + name[i + 1] + name[i] + name[i + 2:]
    return swapped if swapped != name else name[:i] + name[i + 1:]


_C_DECLARED = re.compile(r"\b(?:int|float|double|char|long|short|unsigned|bool|boolean|String)\s+\**\s*([A-Za-z_]\w*)")
_PY_ASSIGNED = re.compile(r"^\s*([A-Za-z_]\w*)\s*=[^=]|\bdef\s+\w+\(([^)]*)\)|\bfor\s+([A-Za-z_]\w*)\s+in\b")


def declared_names(source: str, language: str) -> list[str]:
    """Variable names the program declares (in order, without repeats)."""
    if language == "python":
        names = []
        for m in _PY_ASSIGNED.finditer(source.replace("\n", "\n ")):
            names += [g.split("=")[0].strip() for group in m.groups() if group for g in group.split(",")]
        found = [n for n in names if re.fullmatch(r"[A-Za-z_]\w*", n)]
    else:
        found = _C_DECLARED.findall(source)
    return [n for n in dict.fromkeys(found) if n not in KEYWORDS.get(language, set())]


def misspelt_identifier(source: str, language: str, rng: random.Random, kind: str = "misspelt-identifier") -> list[Mutation]:
    """One later use of a declared name misspelt (the declaration itself is left alone)."""
    result, words = [], set(re.findall(r"[A-Za-z_]\w*", source))
    for name in declared_names(source, language):
        uses = [n for n, line in enumerate(_lines(source), 1) if re.search(rf"\b{re.escape(name)}\b", _code_part(line, language))]
        if len(uses) < 2:
            continue
        number = rng.choice(uses[1:])
        wrong = typo(name, rng)
        if wrong in words or wrong == name:
            continue
        line = _lines(source)[number - 1]
        new = re.sub(rf"\b{re.escape(name)}\b", wrong, line, count=1)
        result.append(_replace_line(source, number, new, kind, language))
    return result


# ---- C ------------------------------------------------------------------------------------------

def c_missing_brace(source: str, rng: random.Random) -> list[Mutation]:
    lines = _lines(source)
    last = max((n for n, line in enumerate(lines, 1) if line.strip()), default=0)
    return [_replace_line(source, n, None, "missing-brace", "c")
            for n, line in enumerate(lines, 1) if line.strip() == "}" and n != last]


def c_undeclared_variable(source: str, rng: random.Random) -> list[Mutation]:
    pattern = re.compile(r"^\s*(?:int|float|double|char|long)\s+([A-Za-z_]\w*)\s*(?:=[^,;]*)?;\s*$")
    return [_replace_line(source, n, None, "undeclared-variable", "c")
            for n, line in enumerate(_lines(source), 1) if pattern.match(line)]


def c_wrong_type(source: str, rng: random.Random) -> list[Mutation]:
    """An int or float variable given a string: ``int n = 0;`` becomes ``int n = "0";``."""
    pattern = re.compile(r"^(\s*(?:(?:int|long|float|double)\s+)?[A-Za-z_]\w*\s*=\s*)(-?\d+(?:\.\d+)?)(\s*;.*)$")
    result = []
    for n, line in enumerate(_lines(source), 1):
        m = pattern.match(line)
        if m and "for" not in line:
            result.append(_replace_line(source, n, f'{m[1]}"{m[2]}"{m[3]}', "wrong-type-assignment", "c"))
    return result


_SPECIFIER_SWAP = {"%d": "%s", "%f": "%d", "%lf": "%d", "%c": "%s", "%s": "%d", "%i": "%f", "%ld": "%f"}


def c_printf_format(source: str, rng: random.Random) -> list[Mutation]:
    result = []
    for n, line in enumerate(_lines(source), 1):
        m = re.search(r'printf\s*\(\s*"([^"]*)"\s*,', line)
        if not m:
            continue
        specs = [s for s in re.findall(r"%l?[dfcsi]", m[1]) if s in _SPECIFIER_SWAP]
        if specs:
            spec = rng.choice(specs)
            fmt = m[1].replace(spec, _SPECIFIER_SWAP[spec], 1)
            new = line[:m.start(1)] + fmt + line[m.end(1):]
            result.append(_replace_line(source, n, new, "printf-format-mismatch", "c"))
    return result


def missing_return(source: str, language: str) -> list[Mutation]:
    """Java: a method's ``return x;`` deleted. C: its value left out (``return;``), because gcc's
    "control reaches end of non-void function" needs flow analysis that ``-fsyntax-only`` skips."""
    pattern = re.compile(r"^(\s*return)\s+[^;]+;\s*$")
    if language == "c":
        return [_replace_line(source, n, m[1] + ";", "missing-return", language)
                for n, line in enumerate(_lines(source), 1) if (m := pattern.match(line))]
    return [_replace_line(source, n, None, "missing-return", language)
            for n, line in enumerate(_lines(source), 1) if pattern.match(line)]


def c_assign_in_condition(source: str, rng: random.Random) -> list[Mutation]:
    result = []
    for n, line in enumerate(_lines(source), 1):
        if re.search(r"\b(if|while)\s*\(.*==", line):
            result.append(_replace_line(source, n, line.replace("==", "=", 1), "assign-in-condition", "c"))
    return result


# ---- Python -------------------------------------------------------------------------------------

_PY_BLOCK = re.compile(r"^\s*(if|elif|else|for|while|def|class|try|except|with)\b.*:\s*(#.*)?$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def py_missing_colon(source: str, rng: random.Random) -> list[Mutation]:
    result = []
    for n, line in enumerate(_lines(source), 1):
        if _PY_BLOCK.match(line):
            code = _code_part(line, "python").rstrip()
            result.append(_replace_line(source, n, code[:-1], "missing-colon", "python"))
    return result


def py_bad_indentation(source: str, rng: random.Random) -> list[Mutation]:
    """An unexpected indent, a block left empty, or an unindent that matches no outer level."""
    lines, result = _lines(source), []
    for n in range(2, len(lines) + 1):
        line, previous = lines[n - 1], lines[n - 2]
        if not line.strip() or not previous.strip():
            continue
        if previous.rstrip().endswith(":") and _indent(line) > _indent(previous):
            new = " " * _indent(previous) + line.lstrip()
        elif _indent(line) == _indent(previous) and _indent(line) >= 4 and rng.random() < 0.5:
            new = " " * (_indent(line) - 2) + line.lstrip()
        elif _indent(line) == _indent(previous) and not previous.rstrip().endswith(":"):
            new = "    " + line
        else:
            continue
        result.append(_replace_line(source, n, new, "bad-indentation", "python"))
    return result


def unclosed_bracket(source: str, language: str) -> list[Mutation]:
    result = []
    for n, line in enumerate(_lines(source), 1):
        code = _code_part(line, language).rstrip()
        end = code.rstrip(";")
        if end.endswith((")", "]")) and code.count("(") == code.count(")"):
            cut = len(end) - 1
            new = code[:cut] + code[cut + 1:]
            result.append(_replace_line(source, n, new, "unclosed-bracket", language))
    return result


_PY_KEYWORD_TYPOS = {"def": "dfe", "return": "retrun", "while": "whlie", "for": "fro", "import": "improt",
                     "elif": "elsif", "else": "esle", "if": "fi", "in": "inn", "not": "nto"}


def py_misspelt_keyword(source: str, rng: random.Random) -> list[Mutation]:
    result = []
    for n, line in enumerate(_lines(source), 1):
        m = re.match(r"^(\s*)(def|return|while|for|import|elif|else|if)\b", line)
        if m:
            new = m[1] + _PY_KEYWORD_TYPOS[m[2]] + line[m.end():]
            result.append(_replace_line(source, n, new, "misspelt-keyword", "python"))
    return result


def py_assign_for_compare(source: str, rng: random.Random) -> list[Mutation]:
    return [_replace_line(source, n, line.replace("==", "=", 1), "assign-for-compare", "python")
            for n, line in enumerate(_lines(source), 1) if re.match(r"^\s*(if|elif|while)\b.*==", line)]


# ---- Java ---------------------------------------------------------------------------------------

def java_missing_class(source: str, rng: random.Random) -> list[Mutation]:
    """A class the program uses is unknown: its import deleted, or ``String`` written ``string``."""
    lines, result = _lines(source), []
    for n, line in enumerate(lines, 1):
        if re.match(r"^\s*import\s+java\.", line):
            result.append(_replace_line(source, n, None, "missing-class", "java"))
        elif re.search(r"\bString\s+[a-z]\w*\s*[=;]", line):
            result.append(_replace_line(source, n, re.sub(r"\bString\b", "string", line, count=1), "missing-class", "java"))
    return result


def java_string_to_int(source: str, rng: random.Random) -> list[Mutation]:
    pattern = re.compile(r"^(\s*int\s+[A-Za-z_]\w*\s*=\s*)(-?\d+)(\s*;.*)$")
    return [_replace_line(source, n, f'{m[1]}"{m[2]}"{m[3]}', "string-to-int", "java")
            for n, line in enumerate(_lines(source), 1) if (m := pattern.match(line))]


OPERATORS: dict[str, dict[str, Callable[[str, random.Random], list[Mutation]]]] = {
    "c": {
        "missing-semicolon": lambda s, r: missing_semicolon(s, "c"),
        "missing-brace": c_missing_brace,
        "misspelt-identifier": lambda s, r: misspelt_identifier(s, "c", r),
        "undeclared-variable": c_undeclared_variable,
        "wrong-type-assignment": c_wrong_type,
        "printf-format-mismatch": c_printf_format,
        "missing-return": lambda s, r: missing_return(s, "c"),
        "assign-in-condition": c_assign_in_condition,
    },
    "python": {
        "missing-colon": py_missing_colon,
        "bad-indentation": py_bad_indentation,
        "unclosed-bracket": lambda s, r: unclosed_bracket(s, "python"),
        "misspelt-keyword": py_misspelt_keyword,
        "assign-for-compare": py_assign_for_compare,
    },
    "java": {
        "missing-semicolon": lambda s, r: missing_semicolon(s, "java"),
        "missing-class": java_missing_class,
        "string-to-int": java_string_to_int,
        "missing-return": lambda s, r: missing_return(s, "java"),
        "undeclared-symbol": lambda s, r: misspelt_identifier(s, "java", r, "undeclared-symbol"),
    },
}


def candidates(language: str, source: str, seed: int = 0) -> list[Mutation]:
    """Every mutation the operators of ``language`` can make to ``source``."""
    rng = random.Random(seed)
    return [m for operator in OPERATORS[language].values() for m in operator(source, rng) if m.text != source]


def sample(language: str, source: str, count: int, seed: int) -> list[Mutation]:
    """Up to ``count`` mutations, each from a different operator where possible (varied kinds)."""
    rng = random.Random(seed)
    by_kind: dict[str, list[Mutation]] = {}
    for mutation in candidates(language, source, seed):
        by_kind.setdefault(mutation.kind, []).append(mutation)
    kinds = sorted(by_kind)
    rng.shuffle(kinds)
    chosen: list[Mutation] = []
    while kinds and len(chosen) < count:
        for kind in list(kinds):
            if len(chosen) >= count:
                break
            pool = by_kind[kind]
            chosen.append(pool.pop(rng.randrange(len(pool))))
            if not pool:
                kinds.remove(kind)
    return chosen


def java_filename(source: str) -> str:
    """javac wants a public class in a file of the same name."""
    m = re.search(r"public\s+class\s+(\w+)", source)
    return f"{m[1] if m else 'Main'}.java"


# ---- the seed programs: short, correct CS1 exercises ----------------------------------------------

PYTHON_SEEDS = {
    "average": "def average(numbers):\n    total = 0\n    for n in numbers:\n        total = total + n\n"
               "    return total / len(numbers)\n\n\nscores = [70, 85, 90]\nprint(average(scores))\n",
    "fizzbuzz": "for i in range(1, 16):\n    if i % 15 == 0:\n        print(\"FizzBuzz\")\n    elif i % 3 == 0:\n"
                "        print(\"Fizz\")\n    elif i % 5 == 0:\n        print(\"Buzz\")\n    else:\n        print(i)\n",
    "grade": "def letter(score):\n    if score >= 90:\n        return \"A\"\n    elif score >= 80:\n        return \"B\"\n"
             "    return \"C\"\n\n\nmark = int(input(\"Score: \"))\nprint(letter(mark))\n",
    "factorial": "def factorial(n):\n    result = 1\n    while n > 1:\n        result = result * n\n        n = n - 1\n"
                 "    return result\n\n\nprint(factorial(5))\n",
    "vowels": "def count_vowels(word):\n    count = 0\n    for letter in word:\n        if letter in \"aeiou\":\n"
              "            count = count + 1\n    return count\n\n\nprint(count_vowels(\"banana\"))\n",
    "maximum": "def largest(values):\n    best = values[0]\n    for v in values:\n        if v > best:\n"
               "            best = v\n    return best\n\n\nprint(largest([3, 9, 4]))\n",
    "celsius": "def to_fahrenheit(celsius):\n    return celsius * 9 / 5 + 32\n\n\nfor c in range(0, 101, 20):\n"
               "    print(c, to_fahrenheit(c))\n",
    "sum_input": "total = 0\ncount = 0\nwhile count < 3:\n    value = int(input(\"Number: \"))\n"
                 "    total = total + value\n    count = count + 1\nprint(\"Sum:\", total)\n",
    "reverse": "def reverse(text):\n    result = \"\"\n    for ch in text:\n        result = ch + result\n"
               "    return result\n\n\nif reverse(\"level\") == \"level\":\n    print(\"palindrome\")\n",
    "prime": "import math\n\n\ndef is_prime(n):\n    if n < 2:\n        return False\n"
             "    for d in range(2, int(math.sqrt(n)) + 1):\n        if n % d == 0:\n            return False\n"
             "    return True\n\n\nprint([p for p in range(20) if is_prime(p)])\n",
    "table": "size = 5\nfor row in range(1, size + 1):\n    line = \"\"\n    for col in range(1, size + 1):\n"
             "        line = line + str(row * col) + \" \"\n    print(line)\n",
    "words": "def word_counts(sentence):\n    counts = {}\n    for word in sentence.split():\n        if word in counts:\n"
             "            counts[word] = counts[word] + 1\n        else:\n            counts[word] = 1\n    return counts\n\n\n"
             "print(word_counts(\"the cat and the hat\"))\n",
}


def _java(name: str, body: str, imports: str = "") -> str:
    return f"{imports}public class {name} {{\n{body}}}\n"


JAVA_SEEDS = {
    "Average": _java("Average", "    public static double average(int[] numbers) {\n        int total = 0;\n"
                     "        for (int i = 0; i < numbers.length; i++) {\n            total = total + numbers[i];\n        }\n"
                     "        return (double) total / numbers.length;\n    }\n\n    public static void main(String[] args) {\n"
                     "        int[] scores = {70, 85, 90};\n        System.out.println(average(scores));\n    }\n"),
    "FizzBuzz": _java("FizzBuzz", "    public static void main(String[] args) {\n        int limit = 15;\n"
                      "        for (int i = 1; i <= limit; i++) {\n            if (i % 15 == 0) {\n"
                      "                System.out.println(\"FizzBuzz\");\n            } else if (i % 3 == 0) {\n"
                      "                System.out.println(\"Fizz\");\n            } else {\n                System.out.println(i);\n"
                      "            }\n        }\n    }\n"),
    "Grades": _java("Grades", "    public static String letter(int score) {\n        if (score >= 90) {\n"
                    "            return \"A\";\n        }\n        return \"B\";\n    }\n\n    public static void main(String[] args) {\n"
                    "        Scanner in = new Scanner(System.in);\n        int mark = in.nextInt();\n"
                    "        String grade = letter(mark);\n        System.out.println(grade);\n    }\n",
                    "import java.util.Scanner;\n\n"),
    "Factorial": _java("Factorial", "    public static int factorial(int n) {\n        int result = 1;\n"
                       "        while (n > 1) {\n            result = result * n;\n            n = n - 1;\n        }\n"
                       "        return result;\n    }\n\n    public static void main(String[] args) {\n"
                       "        int number = 5;\n        System.out.println(factorial(number));\n    }\n"),
    "Vowels": _java("Vowels", "    public static int countVowels(String word) {\n        int count = 0;\n"
                    "        for (int i = 0; i < word.length(); i++) {\n            char c = word.charAt(i);\n"
                    "            if (\"aeiou\".indexOf(c) >= 0) {\n                count = count + 1;\n            }\n        }\n"
                    "        return count;\n    }\n\n    public static void main(String[] args) {\n"
                    "        String text = \"banana\";\n        System.out.println(countVowels(text));\n    }\n"),
    "Largest": _java("Largest", "    public static int largest(ArrayList<Integer> values) {\n        int best = values.get(0);\n"
                     "        for (int v : values) {\n            if (v > best) {\n                best = v;\n            }\n        }\n"
                     "        return best;\n    }\n\n    public static void main(String[] args) {\n"
                     "        ArrayList<Integer> list = new ArrayList<>();\n        list.add(3);\n        list.add(9);\n"
                     "        System.out.println(largest(list));\n    }\n", "import java.util.ArrayList;\n\n"),
    "Celsius": _java("Celsius", "    public static double toFahrenheit(double celsius) {\n"
                     "        return celsius * 9 / 5 + 32;\n    }\n\n    public static void main(String[] args) {\n"
                     "        int step = 20;\n        for (int c = 0; c <= 100; c += step) {\n"
                     "            System.out.println(c + \" \" + toFahrenheit(c));\n        }\n    }\n"),
    "SumDigits": _java("SumDigits", "    public static int sumDigits(int n) {\n        int sum = 0;\n"
                       "        while (n > 0) {\n            sum = sum + n % 10;\n            n = n / 10;\n        }\n"
                       "        return sum;\n    }\n\n    public static void main(String[] args) {\n"
                       "        int value = 1234;\n        System.out.println(sumDigits(value));\n    }\n"),
    "Reverse": _java("Reverse", "    public static String reverse(String text) {\n        String result = \"\";\n"
                     "        for (int i = text.length() - 1; i >= 0; i--) {\n            result = result + text.charAt(i);\n"
                     "        }\n        return result;\n    }\n\n    public static void main(String[] args) {\n"
                     "        String word = \"level\";\n        if (reverse(word).equals(word)) {\n"
                     "            System.out.println(\"palindrome\");\n        }\n    }\n"),
    "Primes": _java("Primes", "    public static boolean isPrime(int n) {\n        if (n < 2) {\n            return false;\n"
                    "        }\n        for (int d = 2; d * d <= n; d++) {\n            if (n % d == 0) {\n"
                    "                return false;\n            }\n        }\n        return true;\n    }\n\n"
                    "    public static void main(String[] args) {\n        int limit = 20;\n"
                    "        for (int p = 0; p < limit; p++) {\n            if (isPrime(p)) {\n"
                    "                System.out.println(p);\n            }\n        }\n    }\n"),
    "Table": _java("Table", "    public static void main(String[] args) {\n        int size = 5;\n"
                   "        for (int row = 1; row <= size; row++) {\n            String line = \"\";\n"
                   "            for (int col = 1; col <= size; col++) {\n                line = line + (row * col) + \" \";\n"
                   "            }\n            System.out.println(line);\n        }\n    }\n"),
    "Counter": _java("Counter", "    private int count = 0;\n\n    public int increment() {\n        count = count + 1;\n"
                     "        return count;\n    }\n\n    public static void main(String[] args) {\n"
                     "        Counter clicks = new Counter();\n        int times = 3;\n"
                     "        for (int i = 0; i < times; i++) {\n            clicks.increment();\n        }\n"
                     "        System.out.println(clicks.increment());\n    }\n"),
}
