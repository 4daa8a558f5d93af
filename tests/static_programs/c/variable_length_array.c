// expect: line 8 c.variable-length-array deep
#include <stdio.h>

int main(void)
{
    int n;
    scanf("%d", &n);
    int values[n];
    values[0] = 1;
    printf("%d\n", values[0]);
    return 0;
}
