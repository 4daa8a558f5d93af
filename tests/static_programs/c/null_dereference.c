// expect: line 7 c.null-dereference deep
#include <stdio.h>

int main(void)
{
    int *p = NULL;
    *p = 42;
    printf("%d\n", *p);
    return 0;
}
