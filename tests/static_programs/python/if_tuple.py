# expect: line 3 python.if-tuple
x = int(input())
if (x > 0, x < 10):
    print("one digit")
