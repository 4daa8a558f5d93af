// expect: line 1 c.missing-main
#include <stdio.h>

int mian(void)
{
    printf("hello\n");
    return 0;
}
