# expect: line 5 python.unused-variable
def total_price(prices):
    total = 0
    for price in prices:
        totl = total + price
    return total


print(total_price([3, 4]))
