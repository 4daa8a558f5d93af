// expect: line 13 c.uninitialized
#include <stdio.h>

int main(void)
{
    int n, result;
    if (scanf("%d", &n) != 1) {
        return 1;
    }
    if (n > 0) {
        result = n * 2;
    }
    printf("%d\n", result);
    return 0;
}
