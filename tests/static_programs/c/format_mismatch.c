// expect: line 7 c.format-mismatch
#include <stdio.h>

int main(void)
{
    double price = 2.5;
    printf("%d\n", price);
    return 0;
}
