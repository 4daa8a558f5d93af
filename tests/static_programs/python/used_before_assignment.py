# expect: line 6 python.used-before-assignment
count = 0


def add_one():
    count = count + 1
    return count


print(add_one())
