// expect: line 11 c.switch-fallthrough
#include <stdio.h>

int main(void)
{
    int choice;
    scanf("%d", &choice);
    switch (choice) {
    case 1:
        printf("one\n");
        printf("first\n");
    case 2:
        printf("two\n");
        break;
    default:
        printf("other\n");
    }
    return 0;
}
