# expect: line 2 python.unused-import
import math


def area(radius):
    return 3.14159 * radius * radius


print(area(2))
