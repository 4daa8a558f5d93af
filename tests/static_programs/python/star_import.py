# expect: line 2 python.star-import
from math import *

print(sqrt(16))
