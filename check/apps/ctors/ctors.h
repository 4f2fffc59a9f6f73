/* ctors: the test app's two files (main.c). */
#ifndef CTORS_H
#define CTORS_H

void note(const char *what);
extern int other_ready;

#endif
