# expect: line 4 python.repeated-dict-key
prices = {
    "apple": 3,
    "pear": 2,
    "pear": 4,
}
print(prices["apple"])
