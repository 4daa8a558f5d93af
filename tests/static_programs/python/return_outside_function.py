# expect: line 5 python.outside-function
total = 0
for n in range(3):
    total += n
return total
