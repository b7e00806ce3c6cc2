package di
