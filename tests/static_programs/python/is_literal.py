# expect: line 3 python.is-literal
answer = input("Continue? ")
if answer is "yes":
    print("Going on")
