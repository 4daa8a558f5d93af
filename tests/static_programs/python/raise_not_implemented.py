# expect: line 3 python.raise-not-implemented
def area(shape):
    raise NotImplemented


print(area("circle"))
