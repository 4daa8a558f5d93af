# expect: line 6 python.undefined-name
def average(values):
    total = 0
    for value in values:
        total = total + value
    return total / len(valeus)


print(average([1, 2, 3]))
