# expect: line 4 python.format-arguments
name = "Ada"
age = 36
print("%s is %d years old, born in %d" % (name, age))
