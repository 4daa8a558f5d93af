// expect: line 6 c.implicit-declaration
#include <stdio.h>

int main(void)
{
    prinft("hello\n");
    return 0;
}
