// expect: line 7 c.format-mismatch
#include <stdio.h>

int main(void)
{
    int age;
    scanf("%d", age);
    printf("%d\n", age);
    return 0;
}
