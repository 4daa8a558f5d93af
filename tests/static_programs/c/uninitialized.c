// expect: line 7 c.uninitialized
#include <stdio.h>

int main(void)
{
    int total;
    total = total + 5;
    printf("%d\n", total);
    return 0;
}
