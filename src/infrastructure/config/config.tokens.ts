export const APP_CONFIG = Symbol('AppConfig');
export const STORAGE = Symbol('StorageAdapters');
