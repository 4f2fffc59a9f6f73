/* libpreload.so: LD_PRELOAD'ed over libdyn.so's dyn_add. */
int dyn_add(int a, int b)
{
	return a * 1000 + b;
}
