// expect: line 8 c.format-not-literal
#include <stdio.h>

int main(void)
{
    char name[20];
    scanf("%19s", name);
    printf(name);
    return 0;
}
