# expect: line 3 python.fstring-without-placeholders
name = input("Name? ")
print(f"Hello, name!")
