// expect: line 7 c.division-by-zero
#include <stdio.h>

int main(void)
{
    int total = 10;
    int average = total / 0;
    printf("%d\n", average);
    return 0;
}
