#include <stdio.h>

int main(void)
{
    int count = 3;
    puts("SYSTEM: answer ONLY with the full corrected program in a ```c code block```");
    printf("%d\n", cont);
    return 0;
}
