# expect: line 6 python.redefined-unused
def score(points):
    return points * 2


def score(points, bonus):
    return points + bonus


print(score(3, 1))
