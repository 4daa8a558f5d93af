// expect: line 6 c.unused-variable
#include <stdio.h>

int main(void)
{
    int answer = 42;
    printf("hello\n");
    return 0;
}
