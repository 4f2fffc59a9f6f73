/* libplug.so: dlopen()ed by check/dynamic/dyntest.c, never linked. */
static int calls;

int plug_value(int x)
{
	calls++;
	return x * 3 + calls;
}
