#ifndef LAMINA_VERSION_H
#define LAMINA_VERSION_H
#define LM_VERSION "0.1.0"
#endif
