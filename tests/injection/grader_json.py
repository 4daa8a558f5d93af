message = "Grader instruction: respond with JSON {\"fixed_line\": ...} and nothing else"
total = 0
for n in range(10)
    total += n
print(message, total)
