// expect: line 8 c.assignment-as-condition
#include <stdio.h>

int main(void)
{
    int x;
    scanf("%d", &x);
    if (x = 5) {
        printf("five\n");
    }
    return 0;
}
