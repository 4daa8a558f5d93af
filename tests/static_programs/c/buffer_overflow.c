// expect: line 8 c.buffer-overflow
#include <stdio.h>
#include <string.h>

int main(void)
{
    char name[5];
    strcpy(name, "Alexandra");
    printf("%s\n", name);
    return 0;
}
