export const STORAGE = Symbol('StorageAdapters');
