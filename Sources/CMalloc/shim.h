// glibc's mallopt, which the Glibc module does not export; used by NeuralNet.BatchHeap.
#include <malloc.h>
