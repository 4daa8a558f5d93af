// expect: line 8 c.dangling-else
#include <stdio.h>

int main(void)
{
    int a, b;
    scanf("%d %d", &a, &b);
    if (a > 0)
        if (b > 0)
            printf("both\n");
    else
        printf("a not positive\n");
    return 0;
}
