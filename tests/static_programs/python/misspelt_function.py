# expect: line 7 python.undefined-name
def greet(name):
    return "Hello, " + name + "!"


person = input("Name? ")
print(greet_user(person))
