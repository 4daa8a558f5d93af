def letter_grade(score):
    if score >= 90
        return "A"
    elif score >= 80:
        return "B"
    return "C"


print(letter_grade(85))
