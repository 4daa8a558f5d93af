// expect: line 8 c.empty-body
#include <stdio.h>

int main(void)
{
    int x;
    scanf("%d", &x);
    if (x > 10);
    {
        printf("big\n");
    }
    return 0;
}
