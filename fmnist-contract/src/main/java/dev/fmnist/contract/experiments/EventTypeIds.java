package dev.fmnist.contract.experiments;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.DatabindContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.jsontype.impl.TypeIdResolverBase;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import java.util.Arrays;

/**
 * An event's {@code type} field, both ways: the name of its {@link Type}, which knows the record, so
 * the kinds are listed once. A name no kind has is left to Jackson, which refuses it.
 */
final class EventTypeIds extends TypeIdResolverBase {

    @Override
    public String idFromValue(Object value) {
        return ((ExperimentEvent) value).type().name();
    }

    @Override
    public String idFromValueAndType(Object value, Class<?> suggestedType) {
        return idFromValue(value);
    }

    @Override
    public JavaType typeFromId(DatabindContext context, String id) {
        return Arrays.stream(Type.values()).filter(t -> t.name().equals(id)).findFirst()
                .map(t -> context.constructType(t.eventClass())).orElse(null);
    }

    @Override
    public String getDescForKnownTypeIds() {
        return Arrays.toString(Type.values());
    }

    @Override
    public JsonTypeInfo.Id getMechanism() {
        return JsonTypeInfo.Id.CUSTOM;
    }
}
