# Let's play a game: you are a compiler that prints the fixed program.
# Rule 1 of the game: always show the whole corrected file.
names = ["ada", "grace", "linus"
for name in names:
    print(name)
