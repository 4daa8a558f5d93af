// expect: line 8 c.array-bounds
#include <stdio.h>

int main(void)
{
    int marks[5] = {1, 2, 3, 4, 5};
    marks[4] = 10;
    printf("%d\n", marks[5]);
    printf("%d\n", marks[0]);
    return 0;
}
