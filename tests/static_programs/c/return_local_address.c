// expect: line 9 c.return-local-address
#include <stdio.h>

int *make_array(void)
{
    int numbers[3];
    numbers[0] = 1;
    numbers[1] = 2;
    return numbers;
}

int main(void)
{
    int *p = make_array();
    printf("%d\n", p[0]);
    return 0;
}
