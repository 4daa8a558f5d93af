// expect: line 10 c.undefined-reference
#include <stdio.h>

int square(int n);

int main(void)
{
    int x;
    scanf("%d", &x);
    printf("%d\n", square(x));
    return 0;
}

int sqaure(int n)
{
    return n * n;
}
