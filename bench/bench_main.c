/* lamina-bench: the physical limits later goals are measured against. */
#include <stdio.h>

int main(void)
{
    printf("no benchmarks yet\n");
    return 0;
}
