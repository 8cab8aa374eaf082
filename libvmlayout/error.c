/* error.c — error objects: every fallible call returns one (NULL = success). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct vml_error vml_enomem = {
	.code = VML_ERROR_NOMEM,
	.is_static = true,
	.message = (char *)"out of memory",
};

static struct vml_error *error_vcreate(enum vml_error_code code, int errnum,
				       const char *fmt, va_list ap)
	VML_PRINTF(3, 0);

static struct vml_error *error_vcreate(enum vml_error_code code, int errnum,
				       const char *fmt, va_list ap)
{
	struct vml_error *err = calloc(1, sizeof(*err));
	if (!err)
		return &vml_enomem;
	err->code = code;
	err->errnum = errnum;
	if (vasprintf(&err->message, fmt, ap) < 0) {
		free(err);
		return &vml_enomem;
	}
	if (errnum) {
		char *with;
		if (asprintf(&with, "%s: %s", err->message, strerror(errnum)) >= 0) {
			free(err->message);
			err->message = with;
		}
	}
	return err;
}

struct vml_error *vml_error_create(enum vml_error_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct vml_error *err = error_vcreate(code, 0, fmt, ap);
	va_end(ap);
	return err;
}

struct vml_error *vml_error_from_errno(int errnum, const char *fmt, ...)
{
	enum vml_error_code code;
	switch (errnum) {
	case EACCES:
	case EPERM:
		code = VML_ERROR_PERMISSION;
		break;
	case ENOENT:
	case ESRCH:
		code = VML_ERROR_NOT_FOUND;
		break;
	case ENOMEM:
		return &vml_enomem;
	default:
		code = VML_ERROR_IO;
		break;
	}
	va_list ap;
	va_start(ap, fmt);
	struct vml_error *err = error_vcreate(code, errnum, fmt, ap);
	va_end(ap);
	return err;
}

struct vml_error *vml_error_fault(uint64_t address, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct vml_error *err = error_vcreate(VML_ERROR_FAULT, 0, fmt, ap);
	va_end(ap);
	if (err != &vml_enomem) {
		err->has_address = true;
		err->address = address;
	}
	return err;
}

struct vml_error *vml_check_size(const char *what, size_t size, size_t min)
{
	if (size >= min)
		return NULL;
	return vml_error_create(VML_ERROR_INVALID,
				"%s: struct of %zu bytes, want at least %zu"
				" (pass sizeof)", what, size, min);
}

enum vml_error_code vml_error_code(const struct vml_error *err)
{
	return err ? err->code : VML_OK;
}

const char *vml_error_message(const struct vml_error *err)
{
	return err ? err->message : "success";
}

int vml_error_errno(const struct vml_error *err)
{
	return err ? err->errnum : 0;
}

uint64_t vml_error_address(const struct vml_error *err, bool *has_address)
{
	bool has = err && err->has_address;
	if (has_address)
		*has_address = has;
	return has ? err->address : 0;
}

void vml_error_free(struct vml_error *err)
{
	if (!err || err->is_static)
		return;
	free(err->message);
	free(err);
}

void vml_free(void *ptr)
{
	free(ptr);
}

const char *vml_version(void)
{
	return PACKAGE_VERSION;
}

int vml_abi_version(void)
{
	return VML_ABI_VERSION;
}
